OPENQASM 3.0;
include "stdgates.inc";
bit[7] c;
qubit[1] q;
qubit[1] psi;
rz(-pi/2) q[0];
sx q[0];
rz(pi) q[0];
rz(3*pi/4) psi[0];
sx psi[0];
rz(-pi/2) psi[0];
cx q[0], psi[0];
sx q[0];
rz(-pi/2) q[0];
rz(pi/2) psi[0];
sx psi[0];
c[6] = measure q[0];
if (c[6]) {
  x q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
cx psi[0], q[0];
rz(-pi/4) q[0];
cx psi[0], q[0];
rz(pi/4) q[0];
if (c[6]) {
  rz(-pi/2) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
c[5] = measure q[0];
if (c[5]) {
  x q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
rz(5.2768939103266055) psi[0];
cx psi[0], q[0];
rz(-pi/8) q[0];
cx psi[0], q[0];
rz(pi/8) q[0];
if (c[5]) {
  rz(-pi/2) q[0];
}
if (c[6]) {
  rz(-pi/4) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
c[4] = measure q[0];
if (c[4]) {
  x q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
cx psi[0], q[0];
rz(-9*pi/16) q[0];
cx psi[0], q[0];
rz(9*pi/16) q[0];
if (c[4]) {
  rz(-pi/2) q[0];
}
if (c[5]) {
  rz(-pi/4) q[0];
}
if (c[6]) {
  rz(-pi/8) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
c[3] = measure q[0];
if (c[3]) {
  x q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
cx psi[0], q[0];
rz(-9*pi/32) q[0];
cx psi[0], q[0];
rz(9*pi/32) q[0];
if (c[3]) {
  rz(-pi/2) q[0];
}
if (c[4]) {
  rz(-pi/4) q[0];
}
if (c[5]) {
  rz(-pi/8) q[0];
}
if (c[6]) {
  rz(-pi/16) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
c[2] = measure q[0];
if (c[2]) {
  x q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
cx psi[0], q[0];
rz(-9*pi/64) q[0];
cx psi[0], q[0];
rz(9*pi/64) q[0];
if (c[2]) {
  rz(-pi/2) q[0];
}
if (c[3]) {
  rz(-pi/4) q[0];
}
if (c[4]) {
  rz(-pi/8) q[0];
}
if (c[5]) {
  rz(-pi/16) q[0];
}
if (c[6]) {
  rz(-pi/32) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
c[1] = measure q[0];
if (c[1]) {
  x q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
cx psi[0], q[0];
rz(-1.7916895602504288) q[0];
cx psi[0], q[0];
rz(1.7916895602504288) q[0];
if (c[1]) {
  rz(-pi/2) q[0];
}
if (c[2]) {
  rz(-pi/4) q[0];
}
if (c[3]) {
  rz(-pi/8) q[0];
}
if (c[4]) {
  rz(-pi/16) q[0];
}
if (c[5]) {
  rz(-pi/32) q[0];
}
if (c[6]) {
  rz(-pi/64) q[0];
}
rz(pi/2) q[0];
sx q[0];
rz(pi/2) q[0];
c[0] = measure q[0];
if (c[0]) {
  x q[0];
}
