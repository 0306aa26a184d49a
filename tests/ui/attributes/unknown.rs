use mmf::Mapped;

#[derive(Mapped)]
#[mmf(packed)]
struct Sample {
    #[mmf(rename = "x")]
    value: u64,
}

fn main() {}
