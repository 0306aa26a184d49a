//! (a) and (d): arbitrary bytes opened as one of several schemas (the first
//! byte chooses); accepted images must traverse, rebuild and re-encode.
#![no_main]

#[path = "../../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::fuzz::check_input(data));
