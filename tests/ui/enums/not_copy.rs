use mmf::Mapped;

// A `Mapped` enum is read by value, so it must be `Copy`.
#[derive(Mapped)]
#[repr(u8)]
enum Kind {
    A,
    B,
}

fn main() {}
