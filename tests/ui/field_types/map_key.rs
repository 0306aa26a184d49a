use mmf::Mapped;
use std::collections::HashMap;

#[derive(Mapped)]
struct Index {
    by_height: HashMap<f64, String>,
}

fn main() {}
