//! Tuples: stored as `#[repr(C)]` structs of their elements with fields `0`,
//! `1`, …, with explicit zeroed padding. In memory only, so these tests also
//! run under Miri (`cargo +nightly miri test --test tuples`).

mod common;

use std::collections::HashMap;

use common::*;
use mmf::{Error, Kind, Mapped};

/// The same elements as a tuple struct, whose layout the derive computes.
#[derive(Mapped)]
#[allow(dead_code)]
struct Same3(u8, Option<(u16, char)>, [u8; 3]);
#[derive(Mapped)]
#[allow(dead_code)]
struct Same4(i16, u128, bool, String);
#[derive(Mapped)]
#[allow(dead_code)]
struct Same12(u8, u16, u8, u32, u8, u64, u8, [u8; 5], f32, Option<u8>, Vec<u8>, char);

/// Offsets, size and alignment of `A`'s layout and `B`'s, which must agree.
fn same_layout<A: Mapped, B: Mapped>() {
    let (a, b) = (A::LAYOUT, B::LAYOUT);
    let (Kind::Struct(fa), Kind::Struct(fb)) = (a.kind, b.kind) else { panic!("structs") };
    let offsets =
        |f: &[mmf::FieldLayout]| f.iter().map(|f| (f.name, f.offset, f.size)).collect::<Vec<_>>();
    assert_eq!(offsets(fa), offsets(fb), "{}", a.name);
    assert_eq!((a.size, a.align), (b.size, b.align), "{}", a.name);
}

#[test]
fn a_tuple_is_laid_out_as_the_tuple_struct_of_its_elements() {
    same_layout::<(u8, Option<(u16, char)>, [u8; 3]), Same3>();
    same_layout::<(i16, u128, bool, String), Same4>();
    same_layout::<(u8, u16, u8, u32, u8, u64, u8, [u8; 5], f32, Option<u8>, Vec<u8>, char), Same12>(
    );
    assert_eq!(<(u8, u32, u16) as Mapped>::LAYOUT.size, 12);
    assert_eq!(<(u8,) as Mapped>::LAYOUT.name, "(u8,)");
    assert_eq!(<(f64, (String, [u16; 3])) as Mapped>::LAYOUT.name, "(f64, (String, [u16; 3]))");
    // Arrays of small elements, long ones of 16-byte elements, nested tuples.
    assert_eq!(<([u8; 255], u64) as Mapped>::LAYOUT.size, 264);
    assert_eq!(<([String; 1000], u8) as Mapped>::LAYOUT.size, 16_008);
    assert_eq!(<(u8, (u8, u64), u8) as Mapped>::LAYOUT.size, 32);
}

#[test]
fn values_round_trip_with_zeroed_padding() {
    type Sample = (u8, u32, Option<(u16, char)>);
    let value: Vec<Sample> = vec![(0xff, 0xdead_beef, Some((0xaaaa, 'é'))), (1, 2, None)];
    let bytes = mmf::to_bytes(&value);
    let view = mmf::from_bytes::<Vec<Sample>>(&bytes).unwrap();
    assert_eq!(view.to_vec(), value);
    let (a, b, c) = view.get(0).unwrap();
    assert_eq!((a, b, c), (0xff, 0xdead_beef, Some((0xaaaa, 'é'))));
    // u8, 3 zero bytes, u32; the option: tag, 3 zero bytes, u16, 2 zero bytes, char.
    let raw: &[u8] = bytemuck::cast_slice(view.as_slice());
    let (first, second) = raw.split_at(20);
    assert_eq!(first[..8], [0xff, 0, 0, 0, 0xef, 0xbe, 0xad, 0xde]);
    assert_eq!(first[8..], [1, 0, 0, 0, 0xaa, 0xaa, 0, 0, 0xe9, 0, 0, 0]);
    assert_eq!(second, [1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&bytes[..], &mmf::to_bytes(&value.clone())[..], "deterministic");
}

#[test]
fn elements_change_in_place() {
    let mut value = everything();
    let mut bytes = mmf::to_bytes(&value);
    {
        let mut view = mmf::from_bytes_mut::<Everything>(&mut bytes).unwrap();
        view.set_lat_lon((46.5, 7.9)); // an inline tuple is replaced whole
        for (name, count) in view.named_counts_mut().iter_mut() {
            *count += name.len() as u32; // each element through its own view
        }
        let (first, second, mut bytes) = view.mixed_mut();
        *first = 8;
        let (number, mut letter) = second.expect("some");
        *number = 1;
        letter.set('x');
        bytes[0] = 0;
    }
    value.lat_lon = (46.5, 7.9);
    value.named_counts[0].1 += 4;
    value.mixed = (8, Some((1, 'x')), [0, 5, 6]);
    assert_eq!(mmf::from_bytes::<Everything>(&bytes).unwrap().to_owned(), value);
}

#[test]
fn tuples_are_map_values_and_list_elements() {
    let value: HashMap<String, (u32, Vec<(f64, f64)>)> = [
        ("Rigi".to_owned(), (1798, vec![(47.05, 8.48), (47.06, 8.49)])),
        ("Pilatus".to_owned(), (2128, vec![])),
    ]
    .into();
    let bytes = mmf::to_bytes(&value);
    let map = mmf::from_bytes::<HashMap<String, (u32, Vec<(f64, f64)>)>>(&bytes).unwrap();
    let (height, track) = map.get("Rigi").unwrap();
    assert_eq!(height, 1798);
    assert_eq!(track.get(1), Some((47.06, 8.49)));
    let owned = mmf::from_bytes_owned::<HashMap<String, (u32, Vec<(f64, f64)>)>>(&bytes).unwrap();
    assert_eq!(owned, value);
}

#[test]
fn an_invalid_element_is_refused_naming_its_path() {
    let value = vec![(1u8, Some((2u16, 'a'))), (3, Some((4, 'b')))];
    let mut bytes = mmf::to_bytes(&value);
    let view = mmf::from_bytes::<Vec<(u8, Option<(u16, char)>)>>(&bytes).unwrap();
    let at = view.as_slice().as_ptr() as usize - bytes.as_ptr() as usize;
    let size = size_of::<<(u8, Option<(u16, char)>) as Mapped>::Raw>();
    // The second element's char: u8 at 0, the option at 4 (tag, padding, u16 at 8, char at 12).
    let letter = at + size + 12;
    bytes[letter..letter + 4].copy_from_slice(&0xd800u32.to_ne_bytes());
    let err = mmf::from_bytes::<Vec<(u8, Option<(u16, char)>)>>(&bytes).unwrap_err();
    let Error::Invalid { path, .. } = &err else { panic!("{err}") };
    assert_eq!(path.to_string(), "[1].1?.1");
    assert_eq!(mmf::DynImage::new(&bytes).err().unwrap().to_string(), err.to_string());
}

#[test]
fn the_dynamic_reader_prints_a_tuple_as_rust_does() {
    let bytes = mmf::to_bytes(&((1u8, "two".to_owned()), [Some((3i64,))]));
    let image = mmf::DynImage::new(&bytes).unwrap();
    assert_eq!(image.layout().to_string(), "((u8, String), [Option<(i64,)>; 1])");
    assert_eq!(image.root().path("0.1").unwrap().as_str(), Some("two"));
    assert_eq!(image.root().path("1[0]?.0").unwrap().scalar(), Some(mmf::ScalarValue::I64(3)));
}

#[test]
fn the_readme_example_works() -> Result<(), Error> {
    #[derive(Mapped)]
    struct Summit {
        lat_lon: (f64, f64),
        names: Vec<(String, u16)>,
    }

    let mut bytes =
        mmf::to_bytes(&Summit { lat_lon: (47.05, 8.48), names: vec![("Rigi".into(), 179)] });
    let mut summit = mmf::from_bytes_mut::<Summit>(&mut bytes)?;
    summit.set_lat_lon((47.06, 8.49));
    for (name, height) in summit.names_mut().iter_mut() {
        assert_eq!(name, "Rigi");
        *height = 180;
    }
    let view = mmf::from_bytes::<Summit>(&bytes)?;
    assert_eq!(view.names().get(0), Some(("Rigi", 180)));
    assert_eq!(view.lat_lon(), (47.06, 8.49));
    Ok(())
}
