use mmf::Mapped;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

#[derive(Mapped)]
struct Shared {
    a: Rc<u32>,
    b: Arc<String>,
    c: Cell<u8>,
}

fn main() {}
