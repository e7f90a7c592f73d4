"""The read API and the Atom feeds: letters as stored by the publisher, for people without a webhook."""
