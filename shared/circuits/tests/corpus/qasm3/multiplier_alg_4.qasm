OPENQASM 3.0;
include "stdgates.inc";
gate qft _gate_q_0, _gate_q_1 {
  h _gate_q_1;
  cp(pi/2) _gate_q_1, _gate_q_0;
  h _gate_q_0;
  swap _gate_q_0, _gate_q_1;
}
gate mcphase(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/4) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/4) _gate_q_2;
  crz(pi/2) _gate_q_0, _gate_q_1;
  p(pi/4) _gate_q_0;
}
gate mcphase_0(_gate_p_0) _gate_q_0, _gate_q_1, _gate_q_2 {
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  rz(-pi/8) _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  rz(pi/8) _gate_q_2;
  crz(pi/4) _gate_q_0, _gate_q_1;
  p(pi/8) _gate_q_0;
}
gate qft_dg _gate_q_0, _gate_q_1 {
  swap _gate_q_0, _gate_q_1;
  h _gate_q_0;
  cp(-pi/2) _gate_q_1, _gate_q_0;
  h _gate_q_1;
}
gate Multiplier _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3 {
  qft _gate_q_2, _gate_q_3;
  mcphase(pi) _gate_q_0, _gate_q_1, _gate_q_3;
  mcphase_0(pi/2) _gate_q_0, _gate_q_1, _gate_q_2;
  qft_dg _gate_q_2, _gate_q_3;
}
bit[4] meas;
qubit[4] q;
Multiplier q[0], q[1], q[2], q[3];
barrier q[0], q[1], q[2], q[3];
meas[0] = measure q[0];
meas[1] = measure q[1];
meas[2] = measure q[2];
meas[3] = measure q[3];
