//! Generated code names everything by absolute path: it compiles where no
//! prelude is in scope, and where the runtime is not reachable as `::mmf` but
//! only through `#[mmf(crate = "…")]`.

#![no_implicit_prelude]

extern crate mmf_derive;
extern crate mmf_runtime as renamed;
extern crate std;

use mmf_derive::Mapped;

#[derive(Mapped)]
#[mmf(crate = "renamed")]
pub struct Point {
    pub x: f64,
    pub label: ::std::string::String,
    pub tags: ::std::vec::Vec<::std::option::Option<u8>>,
    pub kind: Kind,
}

#[derive(Mapped, Clone, Copy, Debug, PartialEq)]
#[mmf(crate = "renamed")]
#[repr(u8)]
pub enum Kind {
    A,
    B,
}

#[derive(Mapped)]
#[mmf(crate = "renamed", schema = 0x96f4_dcb1_6600_c3a7)]
pub struct Pair(pub u16, pub Point);

#[test]
fn generated_code_uses_only_absolute_paths() {
    let value = Point {
        x: 1.5,
        label: <::std::string::String as ::std::convert::From<&str>>::from("p"),
        tags: ::std::vec![::std::option::Option::Some(3)],
        kind: Kind::B,
    };
    let bytes = renamed::to_bytes(&value);
    let view = renamed::from_bytes::<Point>(&bytes).unwrap();
    ::std::assert_eq!(view.x(), 1.5);
    ::std::assert_eq!(view.label(), "p");
    ::std::assert_eq!(
        view.tags().get(0),
        ::std::option::Option::Some(::std::option::Option::Some(3))
    );
    ::std::assert_eq!(view.kind(), Kind::B);
    let pair = Pair(7, value);
    let bytes = renamed::to_bytes(&pair);
    ::std::assert_eq!(renamed::from_bytes::<Pair>(&bytes).unwrap()._1().label(), "p");
}
