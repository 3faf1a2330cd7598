#![no_main]
libfuzzer_sys::fuzz_target!(
    |input: kubestate_fuzz::ExpositionInput| kubestate_fuzz::exposition(&input)
);
