use mmf::Mapped;

// Borrowed data and const parameters cannot be stored.
#[derive(Mapped)]
struct Borrowed<'a, T, const N: usize> {
    name: &'a str,
    values: [T; N],
}

// A generic enum's layout is pinned per instantiation, as a struct's.
#[derive(Mapped)]
#[mmf(schema = 0x1234)]
enum Either<L, R> {
    Left(L),
    Right(R),
}

fn main() {}
