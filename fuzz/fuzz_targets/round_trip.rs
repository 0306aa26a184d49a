//! (c): a value built from the input survives `to_bytes`, `from_bytes`,
//! traversal and `to_owned` bit for bit, and in-place updates keep it valid.
#![no_main]

#[path = "../../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::fuzz::check_value(data));
