//! [`SharedWriter::set`]: publishing one value named by a path, found by the
//! schema, writing only the value and the list blocks on the way to it.

use crate::access::file_ref::FileRef;
use crate::access::mapped::Mapped;
use crate::access::write::Writer;
use crate::dynamic::decode::{DynKind, DynLayout};
use crate::dynamic::value::{PathStep, StepKind};
use crate::format::error::{Error, Result};
use crate::storage::shared::writer::SharedWriter;

impl<T: Mapped> SharedWriter<T> {
    /// Publishes a new version in which the value at `path` (as for
    /// [`DynValue::path`](crate::DynValue::path): `hikes[3].date`) is `value`:
    /// writes `value`, then a copy of each list block on the way from the root
    /// with one element changed, then a new root — nothing else is read or
    /// compared, so the cost is that of the value and of the lists on the path,
    /// not of the whole data.
    ///
    /// # Errors
    ///
    /// [`Error::NoSuchPath`] if the path names no value of the published
    /// version; [`Error::PathType`] if the value there is not a `V`; as for
    /// [`publish`](Self::publish) otherwise.
    ///
    /// # Example
    ///
    /// ```
    /// use mmf_runtime::SharedWriter;
    ///
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let dir = tmp.path();
    /// let mut writer = SharedWriter::create(dir.join("days.mmf"), &vec![vec![String::from("Rigi")]])?;
    /// writer.set("[0][0]", &String::from("Pilatus"))?;
    /// writer.set("[0]", &vec![String::from("Säntis"), String::from("Napf")])?;
    /// assert_eq!(writer.to_owned(), [["Säntis", "Napf"]]);
    /// assert!(writer.set("[0][0]", &7u32).is_err()); // a String is there
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    pub fn set<V: Mapped>(&mut self, path: &str, value: &V) -> Result<u64> {
        let frames = self.frames(path, &DynLayout::from_layout(V::LAYOUT))?;
        self.append(|old, w| Some(write_frames(old, &frames, value, w)))
    }

    /// The blocks on the way to the value at `path`, which must have `layout`:
    /// the root first, then each list block the path enters.
    fn frames(&self, path: &str, layout: &DynLayout) -> Result<Vec<Frame>> {
        let root_layout = DynLayout::from_layout(T::LAYOUT);
        let data = self.data();
        let read_u64 = |at: u64| {
            // SAFETY: published bytes are never written.
            let bytes = unsafe { data.block::<u8>(at, 8) }?;
            Some(u64::from_ne_bytes(bytes.try_into().ok()?))
        };
        let root = self.header.root_offset;
        let mut frames = vec![Frame {
            start: root,
            len: root_layout.size,
            align: root_layout.align,
            list_at: None,
            at: root,
        }];
        let mut here = &root_layout;
        for step in PathStep::parse(path)? {
            let frame = frames.last_mut().expect("the root frame");
            let next = match (&step.kind, &here.kind) {
                (StepKind::Field(name), DynKind::Struct(fields)) => {
                    fields.iter().find(|f| f.name == *name).map(|f| {
                        frame.at += f.offset;
                        &f.layout
                    })
                }
                (StepKind::Some, DynKind::Option(inner)) => {
                    // SAFETY: as above.
                    let tag = unsafe { data.block::<u8>(frame.at, 1) };
                    (tag == Some(&[1][..])).then(|| {
                        frame.at += inner.align;
                        &**inner
                    })
                }
                (StepKind::Index(i), DynKind::Array { element, len }) if i < len => {
                    frame.at += i * element.size;
                    Some(&**element)
                }
                (StepKind::Index(i), DynKind::List(element)) => {
                    let list_at = frame.at;
                    let (offset, len) = (read_u64(list_at), read_u64(list_at + 8));
                    match (offset, len) {
                        (Some(offset), Some(len)) if *i < len => {
                            frames.push(Frame {
                                start: offset,
                                len: len * element.size,
                                align: element.align,
                                list_at: Some(list_at),
                                at: offset + i * element.size,
                            });
                            Some(&**element)
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            here = next.ok_or_else(|| step.missing())?;
        }
        if here != layout {
            return Err(Error::PathType {
                path: path.to_owned(),
                found: here.to_string(),
                given: layout.to_string(),
            });
        }
        Ok(frames)
    }
}

/// A block on the way to the value [`SharedWriter::set`] changes: the root's
/// stored form or a list's block, and where in it the way goes on.
struct Frame {
    start: u64,
    len: u64,
    align: u64,
    /// Where the list's `(offset, len)` lies, in the frame before; `None` for the root.
    list_at: Option<u64>,
    /// Where in this block the path continues (or the value lies, in the last).
    at: u64,
}

/// Writes `value`, then a changed copy of each frame from the innermost
/// out; returns where the new root goes.
fn write_frames<V: Mapped>(
    data: FileRef<'_>,
    frames: &[Frame],
    value: &V,
    w: &mut Writer<'_>,
) -> u64 {
    let raw = value.write(w);
    let mut patch: (u64, Vec<u8>) =
        (frames.last().expect("the root frame").at, bytemuck::bytes_of(&raw).to_vec());
    let mut new_start = 0;
    for frame in frames.iter().rev() {
        // SAFETY: published bytes are never written; `frames` checked them.
        let old = unsafe { data.block::<u8>(frame.start, frame.len) }.unwrap_or_default();
        let mut copy = old.to_vec();
        let at = (patch.0 - frame.start) as usize;
        copy[at..at + patch.1.len()].copy_from_slice(&patch.1);
        new_start = w.alloc(frame.len, frame.align);
        w.put_bytes(new_start, &copy);
        if let Some(list_at) = frame.list_at {
            patch = (list_at, new_start.to_ne_bytes().to_vec());
        }
    }
    new_start
}
