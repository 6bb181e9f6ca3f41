//! libFuzzer target: `wecare::fuzz_files::checkpoint`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecare::fuzz_files::checkpoint(data));
