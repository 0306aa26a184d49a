use mmf::Mapped;
use std::collections::{BTreeSet, HashMap};

#[derive(Mapped)]
struct Index {
    by_name: HashMap<String, u64>,
    tags: BTreeSet<String>,
}

fn main() {}
