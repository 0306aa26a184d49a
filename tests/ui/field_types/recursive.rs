use mmf::Mapped;

// A concrete type may contain itself; a generic one may not (yet).
#[derive(Mapped)]
struct Tree<T> {
    value: T,
    children: Vec<Tree<T>>,
}

#[derive(Mapped)]
struct Forest<T> {
    trees: Vec<T>,
    parent: Option<Box<Self>>,
}

fn main() {}
