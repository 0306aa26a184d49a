//! # mmf — typed memory-mapped files
//!
//! `#[derive(Mapped)]` on an ordinary struct generates a fixed-layout
//! `#[repr(C)]` mirror of it (`HikeRaw`), an offset table (`Mapped::LAYOUT`) and
//! views (`HikeView`, `HikeViewMut`). [`MappedFile`] maps a file and reads
//! fields straight from the mapping; [`MappedFileMut`] writes a value into a new
//! mapping and updates fixed-size fields in place. No serializer runs: opening
//! a file costs the same whatever its size (after a one-time validation that
//! [`MappedFile::open_unchecked`] skips), reading a field is a load, changing it
//! is a store.
//!
//! ```
//! use mmf::{Mapped, MappedFile, MappedFileMut};
//!
//! #[derive(Mapped, Debug, Clone, PartialEq)]
//! struct Coord { x: f64, y: f64, z: f64 }
//!
//! #[derive(Mapped, Debug, Clone, PartialEq)]
//! struct Hike { date: String, description: String, gps_track: Vec<Coord> }
//!
//! #[derive(Mapped, Debug, Clone, PartialEq)]
//! struct HikingDatabase { description: String, hikes: Vec<Hike> }
//!
//! # let tmp = tempfile::tempdir().unwrap();
//! # let dir = tmp.path();
//! # let path = dir.join("hikes.mmf");
//! let db = HikingDatabase {
//!     description: "Alps".into(),
//!     hikes: vec![Hike {
//!         date: "2024-07-14".into(),
//!         description: "Säntis".into(),
//!         gps_track: vec![Coord { x: 9.34, y: 47.25, z: 2502.0 }; 3],
//!     }],
//! };
//! drop(MappedFileMut::create(&path, &db)?); // written straight into the mapping
//!
//! let file = MappedFile::<HikingDatabase>::open(&path)?; // validated once
//! let hike = file.root().hikes().get(0).unwrap();
//! assert_eq!(hike.date(), "2024-07-14"); // a &str into the mapping
//! assert_eq!(hike.gps_track().get(2).unwrap().z(), 2502.0); // a load from the mapping
//! drop(file);
//!
//! let mut file = MappedFileMut::<HikingDatabase>::open(&path)?;
//! file.root_mut().hikes_mut().get_mut(0).unwrap().gps_track_mut().as_mut_slice()[1].z = 2503.5;
//! file.flush()?;
//! assert_eq!(file.to_owned().hikes[0].gps_track[1].z, 2503.5);
//! # Ok::<(), mmf::Error>(())
//! ```
//!
//! To share a file live between processes, one [`SharedWriter`] publishes
//! versions (appending only what changed, switching readers atomically) and
//! any number of [`SharedReader`]s follow them without ever blocking or seeing
//! half a version.
//!
//! Every file carries its schema: [`DynFile`] reads one without its Rust type
//! (by field name, index or path, as the `mmf` command does), and `codegen`
//! (the default feature `codegen`) writes C, C# and Python readers for it.
//!
//! The README covers the type table, the attributes, the file format, sharing,
//! the command-line tool, the generated readers, and the safety and locking story.

#![deny(unsafe_code)]

/// Derives [`Mapped`](trait@Mapped) for a struct or an enum.
///
/// For `struct Hike` it generates, next to the struct:
///
/// - `HikeRaw`: the stored form, `#[repr(C)]`, plain data, with explicit
///   zeroed padding fields, so no uninitialised byte ever reaches a file;
/// - `impl Mapped for Hike`: the offset table `LAYOUT`, `SCHEMA_HASH`, and what
///   the runtime needs to write, validate, view and rebuild it;
/// - `HikeView<'a>`: one read accessor per field (numbers by value, `&str` for
///   strings, [`ListView`] for lists, nested views for structs), `raw()`,
///   `to_owned()`;
/// - `HikeViewMut<'a>`: per field a read accessor, `…_mut()` (`&mut f64` for
///   numbers, [`ListViewMut`] for lists, a nested `…ViewMut`), and `set_…()`
///   for fields stored inline; `as_view()`, `raw()`, `to_owned()`;
/// - `impl Plain` / `impl Inline` when every field is;
/// - compile-time checks: no implicit padding, and the pins below.
///
/// Tuple structs name the mirror's fields and the accessors `_0`, `_1`, …
/// (`_0()`, `_0_mut()`, `set_0()`).
///
/// # Enums
///
/// A fieldless enum with `#[repr(u8)]`, `#[repr(u16)]` or `#[repr(u32)]` is
/// stored as its discriminant and viewed by value (it must be `Copy`).
///
/// An enum with data is stored as its discriminant (`#[repr(u8/u16/u32)]`, or
/// without a `repr` the variant's index in the smallest of them that holds
/// all), zeroed padding, then the fields of the variant held, laid out as a
/// struct's, in room for the largest variant. For `enum Shape` the derive
/// generates `ShapeRaw` (with a public `tag`), a mirror struct per variant with
/// fields (`ShapeCircleRaw`), `ShapeView<'a>` — an enum of the variants with
/// their fields' views, to `match` — and `ShapeViewMut<'a>`, whose
/// `variant_mut()` gives `ShapeVariantMut<'_>`, the variants with their fields'
/// in-place views, and whose `set(value)` replaces the value, variant
/// included, when the new variant's fields are all stored inline (otherwise
/// it gives the value back as `Err`).
///
/// ```
/// use mmf::Mapped;
///
/// #[derive(Mapped, Debug, PartialEq)]
/// enum Shape { Circle { r: f64 }, Label(String), Empty }
///
/// let mut bytes = mmf::to_bytes(&vec![Shape::Circle { r: 1.0 }, Shape::Label("Rigi".into())]);
/// {
///     let mut shapes = mmf::from_bytes_mut::<Vec<Shape>>(&mut bytes)?;
///     if let ShapeVariantMut::Circle { r } = shapes.get_mut(0).unwrap().variant_mut() {
///         *r = 2.5;
///     }
///     let mut second = shapes.get_mut(1).unwrap();
///     assert!(second.set(Shape::Label("Pilatus".into())).is_err()); // needs a new block
///     second.set(Shape::Empty).unwrap(); // stored inline
/// }
/// let shapes = mmf::from_bytes::<Vec<Shape>>(&bytes)?;
/// assert!(matches!(shapes.get(0), Some(ShapeView::Circle { r }) if r == 2.5));
/// assert_eq!(shapes.to_vec(), [Shape::Circle { r: 2.5 }, Shape::Empty]);
/// # Ok::<(), mmf::Error>(())
/// ```
///
/// # Generic structs and enums
///
/// `#[derive(Mapped)] struct Series<T> { name: String, points: Vec<T> }` works
/// for every `T: Mapped` (the bound is inferred; `#[mmf(bound = "…")]` replaces
/// it), and so does a generic enum with data. Each instantiation is its own
/// type in files (`Series<Coord>`). Fields whose stored form would depend on a
/// parameter (`T`, `Option<T>`, `[T; N]`) are stored out of line, as `Box<T>`
/// is; the rest are inline.
///
/// ```
/// use mmf::Mapped;
///
/// #[derive(Mapped, Debug, PartialEq)]
/// struct Series<T> { name: String, points: Vec<T>, latest: T }
///
/// let series = Series { name: "z".into(), points: vec![1.5f64, 2.5], latest: 2.5 };
/// let bytes = mmf::to_bytes(&series);
/// let view = mmf::from_bytes::<Series<f64>>(&bytes)?;
/// assert_eq!((view.points().as_slice(), view.latest()), (&[1.5, 2.5][..], 2.5));
/// assert_eq!(<Series<f64> as Mapped>::LAYOUT.name, "Series<f64>");
/// # Ok::<(), mmf::Error>(())
/// ```
///
/// # Types that contain themselves
///
/// A struct or an enum may hold itself through a list, a box or a map
/// (`children: Vec<Node>`, `next: Option<Box<Self>>`); its offset table refers
/// back to it. In an enum's views, a field that would hold the enum's own view
/// inline (`Box<Expr>`) is a [`Nested`], viewed when asked with `get()`
/// ([`NestedMut`] in place). Values nest as deep as the data, up to
/// [`MAX_NESTING`] levels (see the README's "Types that contain themselves").
///
/// ```
/// use mmf::Mapped;
///
/// #[derive(Mapped, Debug, PartialEq)]
/// enum Expr { Num(f64), Add(Box<Expr>, Box<Expr>), Sum(Vec<Expr>) }
///
/// let expr = Expr::Add(Box::new(Expr::Num(1.0)), Box::new(Expr::Sum(vec![Expr::Num(2.0)])));
/// let bytes = mmf::to_bytes(&expr);
/// let ExprView::Add(left, right) = mmf::from_bytes::<Expr>(&bytes)? else { unreachable!() };
/// assert!(matches!(left.get(), ExprView::Num(n) if n == 1.0));
/// let ExprView::Sum(terms) = right.get() else { unreachable!() };
/// assert!(matches!(terms.get(0), Some(ExprView::Num(n)) if n == 2.0));
/// assert_eq!(mmf::from_bytes_owned::<Expr>(&bytes)?, expr);
/// # Ok::<(), mmf::Error>(())
/// ```
///
/// Tuple fields, `(f64, f64)` or `Vec<(String, u32)>`, are stored as tuple
/// structs of their elements would be; their views are tuples of views.
///
/// # Attributes
///
/// | attribute | on | meaning |
/// |---|---|---|
/// | `#[mmf(crate = "path")]` | struct, enum | where to find `mmf` if it is renamed or re-exported |
/// | `#[mmf(size = N)]` | struct | the stored form must be `N` bytes |
/// | `#[mmf(align = N)]` | struct | the stored form must be aligned to `N` |
/// | `#[mmf(offset = N)]` | field | the field must be stored at offset `N` |
/// | `#[mmf(schema = 0x…)]` | struct, enum | the schema hash must be this: any change of the file format fails the build and prints the new hash |
/// | `#[mmf(key)]` | struct, fieldless enum | the type can key a stored map: a struct's fields are keys, compared field by field; an enum by its discriminant |
/// | `#[mmf(bound = "…")]` | generic struct or enum | the where predicates instead of the inferred `T: Mapped` |
/// | `#[mmf(frozen)]` | struct | the layout never changes: lists of it hand out stored forms |
/// | `#[mmf(default = expr)]` | field (of a struct or an enum's variant) | what a file written before the field existed reads as |
/// | `#[mmf(renamed_from = "old")]` | field (of a struct or an enum's variant), struct, enum | an earlier name, by which files of older versions are read; files keep it, so older programs read newer files' renamed fields too |
/// | `#[mmf(other)]` | variant without fields | values of variants this program does not know read as it |
///
/// # Example
///
/// ```
/// use mmf::Mapped;
///
/// #[derive(Mapped)]
/// #[mmf(size = 16, align = 8)]
/// struct Sample {
///     #[mmf(offset = 0)]
///     time: u64,
///     #[mmf(offset = 8)]
///     value: f32,
///     valid: bool,
/// }
///
/// #[derive(Mapped, Debug, Clone, Copy, PartialEq)]
/// #[repr(u8)]
/// enum Difficulty { Easy = 1, Hard = 2 }
///
/// let layout = <Sample as Mapped>::LAYOUT;
/// assert_eq!(layout.size, 16);
/// let bytes = mmf::to_bytes(&vec![Difficulty::Hard]);
/// assert_eq!(mmf::from_bytes::<Vec<Difficulty>>(&bytes)?.get(0), Some(Difficulty::Hard));
/// # Ok::<(), mmf::Error>(())
/// ```
pub use mmf_derive::Mapped;

pub use mmf_runtime::{
    AlignedBytes, AnyVersionMut, BUFFER_ALIGN, DefaultImage, DefaultValue, DynField, DynFile,
    DynImage, DynKind, DynLayout, DynValue, DynVariant, Error, FLAG_LITTLE_ENDIAN, FLAG_SUPERSEDED,
    FORMAT_VERSION, FieldLayout, FieldNotes, FieldPath, Frozen, HEADER_LEN, Header, Image,
    ImageMut, Inline, Iter, IterMut, Kind, Layout, ListView, ListViewMut, MAGIC, MAX_NESTING,
    MapKey, MapOptions, MapView, MapViewMut, Mapped, MappedFile, MappedFileMut, Nested, NestedMut,
    PathSegment, Plain, Problem, RawBox, RawData, RawMap, RawOption, RawStr, RawTuple, RawVec,
    Result, Scalar, ScalarValue, SetView, SharedReader, SharedWriter, ValueMut, VariantLayout,
    from_bytes, from_bytes_mut, from_bytes_owned, from_bytes_unchecked, map_key_hash, schema,
    to_bytes, tuple, upgrade, upgrade_to_schema,
};

/// Reader code for other languages (the default feature `codegen`).
#[cfg(feature = "codegen")]
pub use mmf_codegen as codegen;

#[doc(hidden)]
pub use mmf_runtime::__private;
