use mmf::Mapped;

#[derive(Mapped)]
struct Odd {
    pair: (u8, u8),
    nested: (u64, (&'static str, u8)),
    unit: (),
    long: (u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8),
    callback: fn(),
}

fn main() {}
