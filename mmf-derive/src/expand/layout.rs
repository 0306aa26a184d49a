//! `impl Mapped for Hike`: the offset table and what the runtime needs to
//! write, validate, view and rebuild the struct.

use proc_macro2::TokenStream;
use quote::quote;

use super::Struct;

pub fn mapped_impl(s: &Struct) -> TokenStream {
    let private = &s.private;
    let ident = s.input.ident;
    let name = ident.to_string();
    let (raw, view, view_mut) = (&s.raw, &s.view, &s.view_mut);
    let tys: Vec<_> = s.fields.iter().map(|f| f.ty).collect();
    let idents: Vec<_> = s.fields.iter().map(|f| &f.ident).collect();
    let members: Vec<_> = s.fields.iter().map(|f| &f.member).collect();
    let names: Vec<_> = s.fields.iter().map(|f| &f.name).collect();

    let rebuild = if s.tuple {
        quote!(#ident(#(
            // SAFETY: the caller's promise covers every field.
            unsafe { <#tys as #private::Mapped>::read(&raw.#idents, file) }
        ),*))
    } else {
        quote!(#ident { #(
            // SAFETY: the caller's promise covers every field.
            #members: unsafe { <#tys as #private::Mapped>::read(&raw.#idents, file) }
        ),* })
    };

    quote! {
        // SAFETY: `write` writes each field through its own `Mapped::write`, and
        // `validate` validates each field with its own `Mapped::validate`; views
        // pass the caller's promise on to the fields. The stored form is the
        // mirror struct, `Pod` with no implicit padding.
        #[automatically_derived]
        unsafe impl #private::Mapped for #ident {
            type Raw = #raw;
            type View<'__mmf> = #view<'__mmf>;
            type ViewMut<'__mmf> = #view_mut<'__mmf>;
            const LAYOUT: &'static #private::Layout = &#private::Layout {
                name: #name,
                size: ::core::mem::size_of::<#raw>(),
                align: ::core::mem::align_of::<#raw>(),
                kind: #private::Kind::Struct(&[#(
                    #private::FieldLayout {
                        name: #names,
                        offset: ::core::mem::offset_of!(#raw, #idents),
                        size: ::core::mem::size_of::<<#tys as #private::Mapped>::Raw>(),
                        layout: <#tys as #private::Mapped>::LAYOUT,
                    }
                ),*]),
            };
            const CHECKED: bool = false #(|| <#tys as #private::Mapped>::CHECKED)*;
            const HAS_BLOCKS: bool = false #(|| <#tys as #private::Mapped>::HAS_BLOCKS)*;

            #[inline]
            fn write(&self, w: &mut #private::Writer<'_>) -> #raw {
                let mut raw: #raw = #private::bytemuck::Zeroable::zeroed();
                #(raw.#idents = <#tys as #private::Mapped>::write(&self.#members, w);)*
                raw
            }

            unsafe fn write_reusing(
                &self,
                old: &#raw,
                file: #private::FileRef<'_>,
                w: &mut #private::Writer<'_>,
            ) -> #raw {
                let mut raw: #raw = #private::bytemuck::Zeroable::zeroed();
                #(
                    // SAFETY: the caller's promise covers every field.
                    raw.#idents = unsafe {
                        <#tys as #private::Mapped>::write_reusing(&self.#members, &old.#idents, file, w)
                    };
                )*
                raw
            }

            fn validate(raw: &#raw, v: &mut #private::Validator<'_>) -> #private::Result<()> {
                #(v.field::<#tys>(#names, &raw.#idents)?;)*
                ::core::result::Result::Ok(())
            }

            #[inline]
            unsafe fn view<'__mmf>(raw: &'__mmf #raw, file: #private::FileRef<'__mmf>) -> #view<'__mmf> {
                // SAFETY: the caller's promise, passed on.
                #view { inner: unsafe { #private::StructRef::new(raw, file) } }
            }

            #[inline]
            unsafe fn view_mut<'__mmf>(raw: &'__mmf mut #raw, file: #private::FileMut<'__mmf>) -> #view_mut<'__mmf> {
                // SAFETY: the caller's promise, passed on.
                #view_mut { inner: unsafe { #private::StructMut::new(raw, file) } }
            }

            unsafe fn read(raw: &#raw, file: #private::FileRef<'_>) -> Self {
                #rebuild
            }
        }

        // SAFETY: the stored form is the fields' stored forms and zeroed padding;
        // when every field is `Plain`, every bit pattern of it is valid.
        #[automatically_derived]
        unsafe impl<'__mmf> #private::Plain for #ident
        where #(#private::Check<'__mmf, #tys>: #private::IsPlain),* {}

        // SAFETY: when every field is `Inline`, `write` allocates nothing.
        #[automatically_derived]
        unsafe impl<'__mmf> #private::Inline for #ident
        where #(#private::Check<'__mmf, #tys>: #private::IsInline<#tys>),* {}
    }
}
