"""Printed documents (打印凭证): the document register, print flows, reprints (补打), batch printing, and the
verification codes and offline tokens printed on every proof. Service API in
:mod:`counter.documents.services`; the PDFs themselves are made by the pure package ``printing``."""
