OPENQASM 3.0;
include "stdgates.inc";
gate mcmt _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3 {
  cx _gate_q_0, _gate_q_1;
  cx _gate_q_0, _gate_q_2;
  cx _gate_q_0, _gate_q_3;
}
gate rccx _gate_q_0, _gate_q_1, _gate_q_2 {
  h _gate_q_2;
  t _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  tdg _gate_q_2;
  cx _gate_q_0, _gate_q_2;
  t _gate_q_2;
  cx _gate_q_1, _gate_q_2;
  tdg _gate_q_2;
  h _gate_q_2;
}
gate ModularAdder _gate_q_0, _gate_q_1, _gate_q_2, _gate_q_3 {
  mcmt _gate_q_1, _gate_q_0, _gate_q_2, _gate_q_3;
  cx _gate_q_1, _gate_q_2;
  cx _gate_q_0, _gate_q_1;
  rccx _gate_q_2, _gate_q_1, _gate_q_0;
  cx _gate_q_0, _gate_q_1;
  cx _gate_q_1, _gate_q_3;
  cx _gate_q_0, _gate_q_1;
  rccx _gate_q_2, _gate_q_1, _gate_q_0;
  cx _gate_q_0, _gate_q_1;
  cx _gate_q_0, _gate_q_2;
  mcmt _gate_q_1, _gate_q_0, _gate_q_2, _gate_q_3;
}
bit[4] meas;
qubit[4] q;
ModularAdder q[0], q[1], q[2], q[3];
barrier q[0], q[1], q[2], q[3];
meas[0] = measure q[0];
meas[1] = measure q[1];
meas[2] = measure q[2];
meas[3] = measure q[3];
