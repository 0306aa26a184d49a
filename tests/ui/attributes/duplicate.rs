use mmf::Mapped;

#[derive(Mapped)]
#[mmf(size = 8, size = 8)]
struct Sample {
    value: u64,
}

fn main() {}
