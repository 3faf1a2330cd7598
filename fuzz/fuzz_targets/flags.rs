#![no_main]
libfuzzer_sys::fuzz_target!(|input: kubestate_fuzz::FlagsInput| kubestate_fuzz::flags(&input));
