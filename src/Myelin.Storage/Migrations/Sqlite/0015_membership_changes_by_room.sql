-- Membership changes of a set of rooms in a stream range (device-list tracking in /sync and /keys/changes: who joined
-- or left the rooms a user shares), without scanning the rooms' other events.
CREATE INDEX room_membership_changes_room ON room_membership_changes (room_id, stream_ordering);
