//! libFuzzer target: `wecare::fuzz_files::matrix`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecare::fuzz_files::matrix(data));
