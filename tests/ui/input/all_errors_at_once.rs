use mmf::Mapped;
use std::rc::Rc;

#[derive(Mapped)]
#[mmf(bogus = 1)]
struct Many {
    count: usize,
    shared: Rc<u32>,
    #[mmf(offset = "eight")]
    value: f64,
}

fn main() {}
