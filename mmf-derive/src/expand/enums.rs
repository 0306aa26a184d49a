//! Fieldless enums: stored as their `#[repr]` integer, checked against the
//! known discriminants on open.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::asserts;
use crate::ast::{Input, Repr};

pub fn enum_impl(
    input: &Input,
    repr: &Repr,
    variants: &[&Ident],
    others: &[bool],
    private: &TokenStream,
) -> TokenStream {
    let ident = input.ident;
    let name = ident.to_string();
    let int = &repr.ident;
    let scalar = format_ident!("{}", repr.scalar);
    let consts: Vec<_> = (0..variants.len()).map(|i| format_ident!("__MMF_D{}", i)).collect();
    let variant_names = variants.iter().map(|v| v.to_string());
    let first = variants[0];
    let pins =
        input.attrs.schema.as_ref().map(|schema| asserts::schema_pin(private, ident, schema));
    let checks = asserts::checks(private, ident, quote!(#pins));
    // `#[mmf(key)]`: keyed by its discriminant, in the discriminants' order.
    let earlier_names = super::renamed_from(input);
    let map_key = input.attrs.key.map(|_| {
        quote! {
            #[automatically_derived]
            impl #private::MapKey for #ident {
                type Query<'__q> = #ident;
                fn as_query(&self) -> #ident {
                    *self
                }
                fn compare_queries(a: &#ident, b: &#ident) -> ::core::cmp::Ordering {
                    (*a as #int).cmp(&(*b as #int))
                }
                fn query_hash(query: &#ident) -> u64 {
                    #private::map_key_hash(&(*query as #int).to_le_bytes())
                }
                fn compare(a: &#ident, b: &#ident) -> ::core::cmp::Ordering {
                    (*a as #int).cmp(&(*b as #int))
                }
                fn key_hash(key: &#ident) -> u64 {
                    #private::map_key_hash(&(*key as #int).to_le_bytes())
                }
                unsafe fn compare_stored(
                    raw: &#int,
                    _: #private::FileRef<'_>,
                    query: &#ident,
                ) -> ::core::cmp::Ordering {
                    raw.cmp(&(*query as #int))
                }
            }
        }
    });
    quote! {
        #[doc(hidden)]
        const _: () = {
            #(const #consts: #int = #ident::#variants as #int;)*

            impl #ident {
                fn __mmf_from_raw(raw: #int) -> ::core::option::Option<Self> {
                    match raw {
                        #(#consts => ::core::option::Option::Some(#ident::#variants),)*
                        _ => ::core::option::Option::None,
                    }
                }
            }

            // SAFETY: stored as its `repr` integer, which holds no offsets;
            // `validate` accepts only known discriminants, and views read any other
            // value as the first variant, so no bit pattern can do harm.
            #[automatically_derived]
            unsafe impl #private::Mapped for #ident {
                type Raw = #int;
                type View<'__mmf> = #ident;
                type ViewMut<'__mmf> = #private::ValueMut<'__mmf, #ident>;
                const LAYOUT: &'static #private::Layout = &#private::Layout {
                    name: #name,
                    size: ::core::mem::size_of::<#int>(),
                    align: ::core::mem::align_of::<#int>(),
                    kind: #private::Kind::Enum {
                        repr: #private::Scalar::#scalar,
                        variants: &[#(
                            #private::VariantLayout {
                                name: #variant_names,
                                discriminant: #consts as u64,
                                fields: &[],
                                other: #others,
                            }
                        ),*],
                    }, frozen: false,
                };
                #earlier_names
                const CHECKED: bool = true;
                const HAS_BLOCKS: bool = false;

                #[inline]
                fn write(&self, _: &mut #private::Writer<'_>) -> #int {
                    match self {
                        #(#ident::#variants => #consts,)*
                    }
                }

                fn validate(raw: &#int, v: &mut #private::Validator<'_>) -> #private::Result<()> {
                    match Self::__mmf_from_raw(*raw) {
                        ::core::option::Option::Some(_) => ::core::result::Result::Ok(()),
                        ::core::option::Option::None => ::core::result::Result::Err(
                            #private::Error::Invalid {
                                path: ::core::default::Default::default(),
                                problem: #private::Problem::UnknownDiscriminant {
                                    offset: v.offset_of(raw),
                                    value: *raw as u64,
                                    enum_name: #private::Cow::Borrowed(#name),
                                },
                            },
                        ),
                    }
                }

                #[inline]
                unsafe fn view<'__mmf>(raw: &'__mmf #int, _: #private::FileRef<'__mmf>) -> Self {
                    Self::__mmf_from_raw(*raw).unwrap_or(#ident::#first)
                }

                #[inline]
                unsafe fn view_mut<'__mmf>(raw: &'__mmf mut #int, _: #private::FileMut<'__mmf>) -> #private::ValueMut<'__mmf, Self> {
                    #private::ValueMut::new(raw)
                }

                #[inline]
                unsafe fn read(raw: &#int, _: #private::FileRef<'_>) -> Self {
                    Self::__mmf_from_raw(*raw).unwrap_or(#ident::#first)
                }

                #[inline]
                unsafe fn view_evolved<'__mmf>(
                    at: ::core::ptr::NonNull<u8>,
                    how: &'__mmf #private::Evolved,
                    _: #private::FileRef<'__mmf>,
                ) -> Self {
                    // SAFETY: the caller's promise: `at` is the file's stored discriminant.
                    let known = unsafe { #private::evolved_discriminant(at, how) };
                    known.and_then(|d| Self::__mmf_from_raw(d as #int)).unwrap_or(#ident::#first)
                }

                unsafe fn read_evolved(
                    at: ::core::ptr::NonNull<u8>,
                    how: &#private::Evolved,
                    file: #private::FileRef<'_>,
                ) -> Self {
                    // SAFETY: the caller's promise, passed on.
                    unsafe { <Self as #private::Mapped>::view_evolved(at, how, file) }
                }
            }

            // SAFETY: `write` allocates nothing.
            #[automatically_derived]
            unsafe impl #private::Inline for #ident {}

            #map_key
            #checks
        };
    }
}
