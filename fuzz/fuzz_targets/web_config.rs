#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kubestate_fuzz::web_config(data));
