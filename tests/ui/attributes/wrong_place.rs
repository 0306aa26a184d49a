use mmf::Mapped;

#[derive(Mapped)]
#[mmf(offset = 0)]
struct Sample {
    #[mmf(size = 8)]
    value: u64,
}

#[derive(Mapped)]
#[repr(u8)]
#[mmf(size = 1)]
enum Kind {
    #[mmf(offset = 0)]
    A,
}

fn main() {}
