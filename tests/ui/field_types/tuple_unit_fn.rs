use mmf::Mapped;

#[derive(Mapped)]
struct Odd {
    boxed: Box<u64>,
    pair: (u8, u8),
    unit: (),
    callback: fn(),
}

fn main() {}
