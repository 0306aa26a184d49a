use mmf::Mapped;

#[derive(Mapped)]
struct Sample {
    raw: u64,
}

fn main() {}
