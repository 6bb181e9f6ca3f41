//! libFuzzer target: `wecare::fuzz::manifest`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecare::fuzz::manifest(data));
