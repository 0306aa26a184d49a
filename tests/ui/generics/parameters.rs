use mmf::Mapped;

// Borrowed data and const parameters cannot be stored.
#[derive(Mapped)]
struct Borrowed<'a, T, const N: usize> {
    name: &'a str,
    values: [T; N],
}

// Generic enums are not supported yet.
#[derive(Mapped)]
enum Either<L, R> {
    Left(L),
    Right(R),
}

fn main() {}
