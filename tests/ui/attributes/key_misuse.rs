use mmf::Mapped;

// A field of a struct that is not a key itself.
#[derive(Mapped, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[mmf(key)]
struct Place {
    name: String,
    id: Id,
}

#[derive(Mapped, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Id {
    n: u32,
}

#[derive(Mapped)]
#[mmf(key = 1)]
struct Valued {
    id: u32,
}

#[derive(Mapped)]
#[mmf(key)]
struct Generic<T> {
    id: T,
}

// Only a fieldless enum is a key by its discriminant.
#[derive(Mapped)]
#[mmf(key)]
enum Kind {
    A(u32),
    B,
}

fn main() {}
