//! libFuzzer target: `wecare::fuzz::calibration`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecare::fuzz::calibration(data));
