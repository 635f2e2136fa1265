"""The dashboard's pages, one module per page or area. Every view is wrapped in
access.permissions.require, which sends anonymous visitors to the login page and answers 403
to users without the permission."""
