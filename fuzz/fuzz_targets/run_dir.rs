//! libFuzzer target: `wecare::fuzz_files::run_dir`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecare::fuzz_files::run_dir(data));
