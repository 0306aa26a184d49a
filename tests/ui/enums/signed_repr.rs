use mmf::Mapped;

#[derive(Mapped)]
#[repr(i32)]
enum Kind {
    A = -1,
    B = 1,
}

fn main() {}
