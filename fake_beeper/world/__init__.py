"""One fake's world: the chats and accounts, how they are ordered, searched and changed, and the state around them."""
