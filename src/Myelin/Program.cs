// The executable is a thin shell over Myelin.Server's embeddable host; see the "host" issue.
return 0;
