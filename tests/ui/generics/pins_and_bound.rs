use mmf::Mapped;

// A generic struct's layout and schema belong to its instantiations.
#[derive(Mapped)]
#[mmf(size = 32, schema = 0x1234)]
struct Series<T> {
    #[mmf(offset = 0)]
    points: Vec<T>,
}

// `bound` is for generic structs.
#[derive(Mapped)]
#[mmf(bound = "u8: Copy")]
struct Plain {
    value: u8,
}

fn main() {}
