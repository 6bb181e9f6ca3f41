//! libFuzzer target: `wecare::fuzz_files::manifests`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wecare::fuzz_files::manifests(data));
