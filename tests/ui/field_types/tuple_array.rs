use mmf::Mapped;

#[derive(Mapped)]
struct Samples {
    fine: ([u8; 256], [String; 1000], u64),
    too_long: ([u16; 300], u8),
}

fn main() {}
