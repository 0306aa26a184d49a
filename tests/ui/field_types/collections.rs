use mmf::Mapped;
use std::collections::{HashMap, VecDeque};

#[derive(Mapped)]
struct Index {
    by_height: HashMap<f64, String>,
    queue: VecDeque<u64>,
}

fn main() {}
