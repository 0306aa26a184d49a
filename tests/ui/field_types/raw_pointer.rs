use mmf::Mapped;

#[derive(Mapped)]
struct Node {
    next: *const u8,
}

fn main() {}
