//! (b): structure-aware mutation of valid images: the input is a list of edits
//! to offsets, lengths, tags and header fields of a valid file.
#![no_main]

use std::sync::OnceLock;

#[path = "../../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

static SEEDS: OnceLock<Vec<mmf::AlignedBytes>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::fuzz::check_edits(data, SEEDS.get_or_init(common::fuzz::seeds))
});
