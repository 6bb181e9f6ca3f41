//! libFuzzer target: `wecare::fuzz::generator`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecare::fuzz::generator(data));
