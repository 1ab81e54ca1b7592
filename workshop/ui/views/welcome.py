"""Welcome page (the default page, at /)."""

from workshop.ui import welcome

welcome.render()
