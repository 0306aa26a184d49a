use mmf::Mapped;

#[derive(Mapped)]
#[mmf(size)]
struct A {
    value: u64,
}

#[derive(Mapped)]
#[mmf(align = 3)]
struct B {
    value: u64,
}

#[derive(Mapped)]
#[mmf(crate = 5)]
struct C {
    value: u64,
}

fn main() {}
