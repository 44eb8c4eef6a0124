-- Undo and redo: each logged edit keeps the edit that reverts it and whether it was itself an undo/redo.
ALTER TABLE ops ADD COLUMN inverse TEXT NOT NULL DEFAULT '[]';
ALTER TABLE ops ADD COLUMN kind TEXT NOT NULL DEFAULT '{"type":"edit"}';
