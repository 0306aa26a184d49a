use mmf::Mapped;

#[derive(Mapped)]
#[repr(u8)]
enum Never {}

fn main() {}
