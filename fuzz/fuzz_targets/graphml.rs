//! libFuzzer target: `wecare::fuzz::graphml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecare::fuzz::graphml(data));
