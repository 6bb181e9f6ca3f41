//! libFuzzer target: `wecare::fuzz::csv`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecare::fuzz::csv(data));
