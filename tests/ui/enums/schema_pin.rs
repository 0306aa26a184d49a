use mmf::Mapped;

#[derive(Mapped, Clone, Copy)]
#[repr(u16)]
#[mmf(schema = 0xdead_beef)]
enum Kind {
    A,
    B,
}

fn main() {}
