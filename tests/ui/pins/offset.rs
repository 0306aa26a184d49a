use mmf::Mapped;

#[derive(Mapped)]
struct Sample {
    flag: u8,
    #[mmf(offset = 1)]
    value: u32,
}

fn main() {}
